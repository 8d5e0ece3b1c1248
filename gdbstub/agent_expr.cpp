#include "gdbstub/agent_expr.h"

#include <vector>

namespace jitpc::gdbstub {

namespace {

// The opcodes this stub runs (gdb's "Bytecode Descriptions"; operands follow the opcode,
// most significant byte first).
enum Op : uint8_t {
    ADD = 0x02, SUB, MUL, DIV_SIGNED, DIV_UNSIGNED, REM_SIGNED, REM_UNSIGNED, LSH, RSH_SIGNED, RSH_UNSIGNED,
    LOG_NOT = 0x0E, BIT_AND, BIT_OR, BIT_XOR, BIT_NOT, EQUAL, LESS_SIGNED, LESS_UNSIGNED, EXT,
    REF8, REF16, REF32, REF64,
    IF_GOTO = 0x20, GOTO, CONST8, CONST16, CONST32, CONST64, REG, END, DUP, POP, ZERO_EXT, SWAP,
    PICK = 0x32, ROT,
};

// Operand bytes of each opcode run here, -1 for the others.
int operand_bytes(uint8_t op) {
    if ((op >= ADD && op <= RSH_UNSIGNED) || (op >= LOG_NOT && op <= LESS_UNSIGNED) || (op >= REF8 && op <= REF64) ||
        op == END || op == DUP || op == POP || op == SWAP || op == ROT)
        return 0;
    switch (op) {
    case EXT: case ZERO_EXT: case PICK: case CONST8: return 1;
    case IF_GOTO: case GOTO: case CONST16: case REG: return 2;
    case CONST32: return 4;
    case CONST64: return 8;
    default: return -1;
    }
}

uint64_t operand(const std::string& code, size_t at, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = v << 8 | uint8_t(code[at + i]);
    return v;
}

}  // namespace

std::optional<AgentExpr> AgentExpr::parse(std::string code) {
    std::vector<bool> starts(code.size(), false);
    std::vector<uint64_t> targets;
    for (size_t pc = 0; pc < code.size();) {
        const uint8_t op = uint8_t(code[pc]);
        const int n = operand_bytes(op);
        if (n < 0 || pc + 1 + n > code.size()) return std::nullopt;
        starts[pc] = true;
        const uint64_t v = operand(code, pc + 1, n);
        if ((op == EXT || op == ZERO_EXT) && (v == 0 || v > 64)) return std::nullopt;
        if (op == IF_GOTO || op == GOTO) targets.push_back(v);
        pc += 1 + n;
    }
    for (const uint64_t t : targets)
        if (t >= code.size() || !starts[t]) return std::nullopt;
    if (code.empty()) return std::nullopt;
    return AgentExpr(std::move(code));
}

std::optional<uint64_t> AgentExpr::eval(const Target& t) const {
    std::vector<uint64_t> st;
    st.reserve(MAX_STACK);
    size_t pc = 0;
    for (unsigned steps = 0; steps < MAX_STEPS && pc < code_.size(); ++steps) {
        const uint8_t op = uint8_t(code_[pc]);
        const int n = operand_bytes(op);
        const uint64_t arg = operand(code_, pc + 1, n);
        pc += 1 + n;
        // Operands popped (the parse proved the opcode and its operand are whole).
        const size_t pops = op == PICK ? arg + 1
                            : (op >= ADD && op <= RSH_UNSIGNED) || (op >= BIT_AND && op <= LESS_UNSIGNED && op != BIT_NOT) ||
                                      op == SWAP
                                ? 2
                            : op == ROT ? 3
                            : (op >= CONST8 && op <= REG) || op == GOTO ? 0
                                                                         : 1;
        if (st.size() < pops) return std::nullopt;
        if (st.size() >= MAX_STACK && (op == DUP || op == PICK || (op >= CONST8 && op <= REG))) return std::nullopt;
        const auto top = [&st]() -> uint64_t& { return st.back(); };
        if (pops == 2 && op != SWAP) {
            const uint64_t b = st.back();
            st.pop_back();
            uint64_t& a = st.back();
            const auto sa = int64_t(a), sb = int64_t(b);
            switch (op) {
            case ADD: a += b; break;
            case SUB: a -= b; break;
            case MUL: a *= b; break;
            case DIV_SIGNED:
            case REM_SIGNED:
                if (!b) return std::nullopt;
                if (sb == -1) a = op == DIV_SIGNED ? 0 - a : 0;  // (INT64_MIN / -1 wraps)
                else a = uint64_t(op == DIV_SIGNED ? sa / sb : sa % sb);
                break;
            case DIV_UNSIGNED:
            case REM_UNSIGNED:
                if (!b) return std::nullopt;
                a = op == DIV_UNSIGNED ? a / b : a % b;
                break;
            case LSH: a = b < 64 ? a << b : 0; break;
            case RSH_SIGNED: a = uint64_t(sa >> (b < 64 ? b : 63)); break;
            case RSH_UNSIGNED: a = b < 64 ? a >> b : 0; break;
            case BIT_AND: a &= b; break;
            case BIT_OR: a |= b; break;
            case BIT_XOR: a ^= b; break;
            case EQUAL: a = a == b; break;
            case LESS_SIGNED: a = sa < sb; break;
            case LESS_UNSIGNED: a = a < b; break;
            }
            continue;
        }
        switch (op) {
        case LOG_NOT: top() = !top(); break;
        case BIT_NOT: top() = ~top(); break;
        case EXT:
            if (arg < 64) top() = uint64_t(int64_t(top() << (64 - arg)) >> (64 - arg));
            break;
        case ZERO_EXT:
            if (arg < 64) top() &= (uint64_t(1) << arg) - 1;
            break;
        case REF8: case REF16: case REF32: case REF64:
            if (!t.mem(top(), 1u << (op - REF8), top())) return std::nullopt;
            break;
        case IF_GOTO: {
            const uint64_t cond = top();
            st.pop_back();
            if (cond) pc = arg;
            break;
        }
        case GOTO: pc = arg; break;
        case CONST8: case CONST16: case CONST32: case CONST64: st.push_back(arg); break;
        case REG: {
            uint64_t v;
            if (!t.reg(unsigned(arg), v)) return std::nullopt;
            st.push_back(v);
            break;
        }
        case END: return top();
        case DUP: st.push_back(top()); break;
        case POP: st.pop_back(); break;
        case SWAP: std::swap(st[st.size() - 1], st[st.size() - 2]); break;
        case PICK: st.push_back(st[st.size() - 1 - arg]); break;
        case ROT: {
            const uint64_t c = st[st.size() - 1];
            st[st.size() - 1] = st[st.size() - 2];
            st[st.size() - 2] = st[st.size() - 3];
            st[st.size() - 3] = c;
            break;
        }
        }
    }
    return std::nullopt;  // the steps used up, or the end of the bytecode without `end`
}

}  // namespace jitpc::gdbstub
