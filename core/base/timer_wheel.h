// TimerWheel: a hashed timing wheel of objects that carry their own timer
// links (a TimerHook member), for tables of many short-lived objects with
// one deadline each (tm's transactions, dialog's expiries). Filing,
// re-filing and removing allocate nothing and touch only the object, its
// list neighbours and its slot's head.
// Slot = deadline / slot_ms modulo the number of slots, each slot a list
// linked through the objects. Expire(now) scans the slots from its cursor
// (an absolute slot number, rescanned until the clock has passed it: its
// later deadlines are not due yet) up to now's, each slot at most once
// when the clock jumped a whole turn; a deadline further out than the
// wheel's span waits in its slot and is passed over until due; a deadline
// the cursor has already passed is filed in the cursor's slot (the next
// Expire fires it). Deadlines fire to the millisecond, never early.
// The hook is reached through `Hooks` (static `TimerHook<T>& Hook(T&)`):
// MemberHook for a member of a complete type, or a Hooks declared in a
// header and defined where the wheel is used, for a type the header only
// forward-declares. The wheel does not own the objects; an object must be
// removed before it is destroyed. Thread-safety: none (callers hold their
// table's lock).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sipcapd {

template <class T>
struct TimerHook {
  int64_t at = 0;  // the deadline (ms) it is filed under; 0: not filed
  size_t slot = 0;
  T* prev = nullptr;
  T* next = nullptr;
};

template <class T, TimerHook<T> T::*Member>
struct MemberHook {
  static TimerHook<T>& Hook(T& e) { return e.*Member; }
};

template <class T, class Hooks>
class TimerWheel {
 public:
  // slot_ms > 0, slots > 0; now_ms: the clock's current value.
  TimerWheel(int64_t slot_ms, size_t slots, int64_t now_ms)
      : slot_ms_(slot_ms), slots_(slots, nullptr), cursor_(now_ms / slot_ms) {}

  // Files e under deadline `at` (ms), replacing the one it had; at <= 0
  // removes it.
  void Set(T& e, int64_t at) {
    TimerHook<T>& h = Hooks::Hook(e);
    if (h.at == at) return;
    Remove(e);
    if (at <= 0) return;
    h.at = at;
    h.slot = static_cast<size_t>(std::max(at / slot_ms_, cursor_) % Turn());
    T*& head = slots_[h.slot];
    h.prev = nullptr;
    h.next = head;
    if (head) Hooks::Hook(*head).prev = &e;
    head = &e;
    ++count_;
  }

  // Removes e; a no-op when it is not filed.
  void Remove(T& e) {
    TimerHook<T>& h = Hooks::Hook(e);
    if (h.at == 0) return;
    if (h.next) Hooks::Hook(*h.next).prev = h.prev;
    if (h.prev)
      Hooks::Hook(*h.prev).next = h.next;
    else  // the head of its slot
      slots_[h.slot] = h.next;
    h = TimerHook<T>{};
    --count_;
  }

  // Removes every object due at now (deadline <= now), then calls
  // fire(e) for each, slot by slot. fire may destroy e or file it again
  // (a deadline already past fires at the next Expire, not in this one);
  // it must not destroy the other objects of this call.
  template <class Fire>
  void Expire(int64_t now, Fire&& fire) {
    const int64_t end = now / slot_ms_;
    const int64_t first = std::max(cursor_, end - Turn() + 1);
    // Moved first: what is filed behind now from here on goes into now's
    // slot (scanned again next time), never behind the cursor.
    cursor_ = std::max(cursor_, end);
    due_.clear();
    for (int64_t s = first; s <= end; ++s) {
      for (T* e = slots_[static_cast<size_t>(s % Turn())]; e;) {
        T* next = Hooks::Hook(*e).next;
        if (Hooks::Hook(*e).at <= now) {
          Remove(*e);
          due_.push_back(e);
        }
        e = next;
      }
    }
    for (T* e : due_) fire(*e);
  }

  static int64_t Deadline(T& e) { return Hooks::Hook(e).at; }
  size_t size() const { return count_; }

 private:
  int64_t Turn() const { return static_cast<int64_t>(slots_.size()); }

  int64_t slot_ms_;
  std::vector<T*> slots_;
  int64_t cursor_;
  size_t count_ = 0;
  std::vector<T*> due_;  // Expire's, kept for its capacity
};

}  // namespace sipcapd
