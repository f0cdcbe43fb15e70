// IntrusiveIndex: a chained hash index of objects that carry their own
// chain link and cached hash, for tables of many short-lived objects
// looked up on every message (tm's transactions by matching key, dialog's
// dialogs by Call-ID). Linking, unlinking and lookups allocate nothing but
// the bucket array, which doubles when the index holds more objects than
// buckets and never shrinks; a lookup reads its bucket and the objects of
// the chain (their cached hash first), with no node of its own to miss in
// the cache. The link and the hash are reached through `Links` (static
// `T*& Next(T&)` and `size_t Hash(const T&)`): MemberLinks for members of
// a complete type, or a Links declared in a header and defined where the
// index is used, for a type the header only forward-declares.
// The index does not own the objects; an object must be unlinked before
// it is destroyed. Thread-safety: none (callers hold their table's lock).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace sipcapd {

template <class T, T* T::*NextMember, size_t T::*HashMember>
struct MemberLinks {
  static T*& Next(T& e) { return e.*NextMember; }
  static size_t Hash(const T& e) { return e.*HashMember; }
};

template <class T, class Links>
class IntrusiveIndex {
 public:
  // The first object with hash h for which eq(object) holds, after `after`
  // in its chain when given (the next match: several objects may share a
  // key); nullptr when none.
  template <class Eq>
  T* Find(size_t h, Eq eq, T* after = nullptr) const {
    if (buckets_.empty()) return nullptr;
    T* e = after ? Links::Next(*after) : buckets_[h & (buckets_.size() - 1)];
    for (; e; e = Links::Next(*e))
      if (Links::Hash(*e) == h && eq(*e)) return e;
    return nullptr;
  }

  // Links e (its hash set by the caller) at the head of its bucket.
  void Link(T* e) {
    if (count_ + 1 > buckets_.size()) Grow();
    T*& head = buckets_[Links::Hash(*e) & (buckets_.size() - 1)];
    Links::Next(*e) = head;
    head = e;
    ++count_;
  }

  // Unlinks e; a no-op when e is not in the index.
  void Unlink(T* e) {
    if (buckets_.empty()) return;
    for (T** p = &buckets_[Links::Hash(*e) & (buckets_.size() - 1)]; *p; p = &Links::Next(**p)) {
      if (*p == e) {
        *p = Links::Next(*e);
        Links::Next(*e) = nullptr;
        --count_;
        return;
      }
    }
  }

  size_t size() const { return count_; }
  size_t buckets() const { return buckets_.size(); }

 private:
  void Grow() {
    std::vector<T*> grown(std::max<size_t>(64, buckets_.size() * 2), nullptr);
    const size_t mask = grown.size() - 1;
    for (T* e : buckets_) {
      while (e) {
        T* next = Links::Next(*e);
        T*& head = grown[Links::Hash(*e) & mask];
        Links::Next(*e) = head;
        head = e;
        e = next;
      }
    }
    buckets_.swap(grown);
  }

  std::vector<T*> buckets_;
  size_t count_ = 0;
};

}  // namespace sipcapd
