#include <doctest/doctest.h>

#include "cpu/flags.h"

using namespace jitpc::cpu;

TEST_CASE("lazy ADD flags match the architectural definition") {
    Flags f;
    f.set_lazy(FlagOp::Add, 1, uint8_t(0x7F + 1), 0x7F, 1);
    CHECK(f.of());
    CHECK(f.sf());
    CHECK(!f.zf());
    CHECK(!f.cf());
    CHECK(f.af());
    f.set_lazy(FlagOp::Add, 1, uint8_t(0xFF + 1), 0xFF, 1);
    CHECK(f.cf());
    CHECK(f.zf());
    CHECK(f.pf());
    CHECK(!f.of());
}

TEST_CASE("SBB with borrow-in and INC keeping CF") {
    Flags f;
    f.set_lazy(FlagOp::Sbb1, 2, uint16_t(5 - 5 - 1), 5, 5);
    CHECK(f.cf());
    CHECK((f.get() & EFLAGS_CF) != 0);
    f.set_incdec(FlagOp::Inc, 4, 0x80000000u, 0x7FFFFFFFu);
    CHECK(f.cf());  // kept from the SBB
    CHECK(f.of());
    CHECK(f.sf());
}

TEST_CASE("conditions evaluate from lazy CMP results") {
    Flags f;
    f.set_lazy(FlagOp::Sub, 4, uint32_t(-1 - 1), uint32_t(-1), 1);  // cmp -1, 1
    CHECK(f.cond(CC_L));
    CHECK(!f.cond(CC_B));   // 0xFFFFFFFF is not below 1 unsigned
    CHECK(f.cond(CC_A));
    CHECK(f.cond(CC_NE));
}
