// `jitpc conform export`: the differential cases as a single-step JSON corpus (conform/export.cpp).
#pragma once

#include "conform/args.h"

namespace jitpc::conform {

int export_main(Args& args);  // the exit status

}  // namespace jitpc::conform
