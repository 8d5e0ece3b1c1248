// `jitpc conform rom`: a firmware image's debug-port output against a reference (conform/rom.cpp).
#pragma once

#include "conform/args.h"

namespace jitpc::conform {

int rom_main(Args& args);  // the exit status

}  // namespace jitpc::conform
