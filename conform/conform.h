// `jitpc conform`: CPU-conformance campaigns with reports (docs/CONFORM.md).
#pragma once

namespace jitpc::conform {

// argv[0] is "conform"; returns the exit status (0 passed, 4 a case failed, 1 a usage or
// host-side error, reported in one `jitpc: conform: ...` line on stderr).
int main(int argc, char** argv);

}  // namespace jitpc::conform
