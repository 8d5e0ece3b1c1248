// `jitpc conform diff`: the differential campaign (conform/diff.cpp).
#pragma once

#include "conform/args.h"

namespace jitpc::conform {

int diff_main(Args& args);  // the exit status

}  // namespace jitpc::conform
