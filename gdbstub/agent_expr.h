// gdb's agent expressions, as the conditions of Z0/Z1 breakpoints carry them (`;Xlen,bytecode`,
// with ConditionalBreakpoints+): a stack machine's bytecode that the stub checks when it gets it
// and runs when the breakpoint is reached. The client is not trusted: a bytecode with an unknown
// or unsupported opcode, a cut operand or a jump between instructions is refused whole, and a
// run is bounded in steps and stack depth, so a loop or a deep expression ends in an error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace jitpc::gdbstub {

class AgentExpr {
public:
    static constexpr size_t MAX_STACK = 100;
    static constexpr unsigned MAX_STEPS = 10000;

    // The bytecode, or none when it is not one this stub runs (tracing, trace state variables,
    // printf and floating point included: gdb sends none of them in a condition).
    static std::optional<AgentExpr> parse(std::string code);

    // Register n's value (false: no such register), and `size` bytes of memory at a linear
    // address, little-endian (false: unreadable).
    struct Target {
        std::function<bool(unsigned n, uint64_t& v)> reg;
        std::function<bool(uint64_t addr, unsigned size, uint64_t& v)> mem;
    };
    // The value left on top of the stack at `end`, or none on an error: an unreadable register
    // or memory, a division by zero, a stack too deep or too shallow, the steps used up.
    std::optional<uint64_t> eval(const Target& t) const;

private:
    explicit AgentExpr(std::string code) : code_(std::move(code)) {}
    std::string code_;
};

}  // namespace jitpc::gdbstub
