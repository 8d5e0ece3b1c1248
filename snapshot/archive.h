// One function per component lists its state, for saving and loading alike (the ares way):
//     template <class A> void snapshot(A& a) { a(field, other_field, table_); }
// Saver appends the fields' bytes, Loader reads them back in the same order. Trivially
// copyable fields go as their bytes (a snapshot is read only by the jitpc version that wrote
// it, snapshot.h), containers as a count and their elements, arrays element by element and a
// struct with its own snapshot() as what that lists (so a flag inside either is loaded as a
// flag, never as a byte that may be 2). After loading, a component checks with a.check() every
// field it will use to index, size or select something.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

namespace jitpc::snapshot {

class Saver {
public:
    static constexpr bool loading = false;
    template <class... T> void operator()(T&... v) { (put(v), ...); }
    void bytes(const void* p, size_t n) { out.append(static_cast<const char*>(p), n); }
    void check(bool, const char*) {}
    std::string out;

private:
    template <class T> void put(T& v) {
        if constexpr (requires { v.snapshot(*this); }) {
            v.snapshot(*this);
        } else {
            static_assert(std::is_trivially_copyable_v<T>, "list the fields of this type");
            out.append(reinterpret_cast<const char*>(&v), sizeof v);
        }
    }
    template <class T, size_t N> void put(std::array<T, N>& v) {
        for (T& e : v) put(e);
    }
    template <class T, size_t N> void put(T (&v)[N]) {
        for (T& e : v) put(e);
    }
    void count(uint64_t n) { put(n); }
    template <class T> void put(std::vector<T>& v) { put_all(v); }
    template <class T> void put(std::deque<T>& v) { put_all(v); }
    void put(std::string& s) { put_all(s); }
    template <class T> void put(std::optional<T>& v) {
        bool has = v.has_value();
        put(has);
        if (has) put(*v);
    }
    template <class K, class V> void put(std::unordered_map<K, V>& m) {
        std::vector<K> keys;
        for (auto& [k, v] : m) keys.push_back(k);
        std::sort(keys.begin(), keys.end());  // the same state saves as the same bytes
        count(keys.size());
        for (K& k : keys) put(k), put(m.at(k));
    }
    template <class C> void put_all(C& c) {
        count(c.size());
        for (auto& e : c) put(e);
    }
};

class Loader {
public:
    static constexpr bool loading = true;
    struct Short : std::runtime_error {
        Short() : std::runtime_error("a section is shorter than its fields") {}
    };
    explicit Loader(const std::string& in) : in_(in) {}
    template <class... T> void operator()(T&... v) { (get(v), ...); }
    void bytes(void* p, size_t n) {
        if (n > in_.size() - pos_) throw Short();
        std::memcpy(p, in_.data() + pos_, n);
        pos_ += n;
    }
    bool done() const { return pos_ == in_.size(); }
    // A loaded value that indexes, sizes or selects something must be in its range before it is
    // used: a crafted file can carry any bytes under valid CRCs. `what` names it.
    void check(bool ok, const char* what) {
        if (!ok) throw std::runtime_error(std::string(what) + " is out of range");
    }

private:
    template <class T> void get(T& v) {
        if constexpr (requires { v.snapshot(*this); }) {
            v.snapshot(*this);
        } else {
            static_assert(std::is_trivially_copyable_v<T>, "list the fields of this type");
            if (sizeof v > in_.size() - pos_) throw Short();
            std::memcpy(&v, in_.data() + pos_, sizeof v);
            pos_ += sizeof v;
        }
    }
    template <class T, size_t N> void get(std::array<T, N>& v) {
        for (T& e : v) get(e);
    }
    template <class T, size_t N> void get(T (&v)[N]) {
        for (T& e : v) get(e);
    }
    uint64_t count(size_t element) {
        uint64_t n;
        get(n);
        if (n > (in_.size() - pos_) / std::max<size_t>(element, 1)) throw Short();
        return n;
    }
    void get(bool& v) {
        uint8_t b;
        get(b);
        check(b <= 1, "a flag");
        v = b;
    }
    template <class T> void get(std::vector<T>& v) { get_all(v); }
    template <class T> void get(std::deque<T>& v) { get_all(v); }
    void get(std::string& s) {
        const uint64_t n = count(1);
        s.assign(in_.data() + pos_, n);
        pos_ += n;
    }
    template <class T> void get(std::optional<T>& v) {
        bool has;
        get(has);
        v.reset();
        if (has) get(v.emplace());
    }
    template <class K, class V> void get(std::unordered_map<K, V>& m) {
        m.clear();
        for (uint64_t n = count(sizeof(K)); n--;) {
            K k;
            get(k);
            get(m[k]);
        }
    }
    template <class C> void get_all(C& c) {
        c.clear();
        for (uint64_t n = count(sizeof(typename C::value_type)); n--;) get(c.emplace_back());
    }

    const std::string& in_;
    size_t pos_ = 0;
};

}  // namespace jitpc::snapshot
