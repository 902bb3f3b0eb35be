// An allocator that leaves elements default-initialized where std::allocator zero-fills them.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace flamedb::base {

// vector<T, DefaultInitAllocator<T>>::resize(n) leaves new trivial elements uninitialized
// instead of writing zeros first. For columns that are resized and then filled in full by the
// caller (decoders writing through a pointer), the zero-fill is a second pass over memory for
// nothing. Contract: every element is written before it is read.
template <typename T, typename Base = std::allocator<T>>
class DefaultInitAllocator : public Base {
 public:
  template <typename U>
  struct rebind {
    using other =
        DefaultInitAllocator<U, typename std::allocator_traits<Base>::template rebind_alloc<U>>;
  };

  using Base::Base;

  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    std::allocator_traits<Base>::construct(static_cast<Base&>(*this), p,
                                           std::forward<Args>(args)...);
  }
};

}  // namespace flamedb::base
