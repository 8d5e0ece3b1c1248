// `jitpc conform singlestep`: runs a single-step JSON corpus (conform/singlestep.cpp).
#pragma once

#include "conform/args.h"

namespace jitpc::conform {

int singlestep_main(Args& args);  // the exit status

}  // namespace jitpc::conform
