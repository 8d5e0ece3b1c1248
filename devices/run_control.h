// What the guest asks of the machine around the CPU: a reset (triple fault, port 0x92, the
// 8042's pulse, 0xCF9) or the end of the run (the debug-exit port, ACPI power-off). Devices
// ask in the middle of an instruction; the machine's run loop acts once the engine returned.
#pragma once

namespace jitpc::devices {

class RunControl {
public:
    void request_reset() {
        reset_requested = true;
        request_stop();
    }
    void request_exit(int status) {
        exit_requested = true;
        exit_status = status;
        request_stop();
    }
    // Makes the running engine return at the next block boundary.
    void request_stop() {
        if (stop_flag) *stop_flag = true;
    }
    volatile bool* stop_flag = nullptr;
    bool reset_requested = false;
    bool exit_requested = false;
    int exit_status = 0;
};

}  // namespace jitpc::devices
