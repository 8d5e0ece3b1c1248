// `jitpc conform kernels`: a directory of bootable test programs (conform/kernels.cpp).
#pragma once

#include "conform/args.h"

namespace jitpc::conform {

int kernels_main(Args& args);  // the exit status

}  // namespace jitpc::conform
