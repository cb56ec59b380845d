// Small CUDA runtime helpers for the backend's .cu files: error checks that turn CUDA errors
// into covlasso::Error (out of memory → BackendUnavailable with one line, anything else →
// Internal naming the call), and owners for streams, events, device and pinned memory.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

#include "errors.hpp"

namespace covlasso {
namespace cuda {

[[noreturn]] inline void throw_cuda(cudaError_t status, const char* what) {
  if (status == cudaErrorMemoryAllocation) {
    throw Error(ErrorCode::BackendUnavailable,
                std::string("backend 'cuda' is not available: out of device memory (") + what + ")");
  }
  throw Error(ErrorCode::Internal, std::string("CUDA error in ") + what + ": " + cudaGetErrorName(status) + " (" +
                                       cudaGetErrorString(status) + ")");
}

inline void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw_cuda(status, what);
}

// Checks a kernel launch (configuration errors surface at once, faults at the next sync).
inline void check_launch(const char* what) { check_cuda(cudaGetLastError(), what); }

class Stream {
 public:
  Stream() { check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate"); }
  ~Stream() { cudaStreamDestroy(stream_); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  operator cudaStream_t() const { return stream_; }
  void synchronize(const char* what) const { check_cuda(cudaStreamSynchronize(stream_), what); }

 private:
  cudaStream_t stream_ = nullptr;
};

class Event {
 public:
  Event() { check_cuda(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming), "cudaEventCreate"); }
  ~Event() { cudaEventDestroy(event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  operator cudaEvent_t() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

// Memory of `bytes` bytes (nothing for 0) from an allocator pair of the runtime.
inline cudaError_t device_alloc(void** p, size_t bytes) { return cudaMalloc(p, bytes); }
inline cudaError_t pinned_alloc(void** p, size_t bytes) { return cudaMallocHost(p, bytes); }

template <cudaError_t (*Alloc)(void**, size_t), cudaError_t (*Free)(void*)>
class Memory {
 public:
  Memory() = default;
  explicit Memory(size_t bytes) {
    if (bytes > 0) check_cuda(Alloc(&ptr_, bytes), "allocating memory");
  }
  ~Memory() {
    if (ptr_ != nullptr) Free(ptr_);
  }
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;
  Memory(Memory&& o) noexcept : ptr_(o.ptr_) { o.ptr_ = nullptr; }
  template <class T>
  T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_ = nullptr;
};

using DeviceMemory = Memory<device_alloc, cudaFree>;
using PinnedMemory = Memory<pinned_alloc, cudaFreeHost>;  // page-locked host memory (staging buffers)

// Blocks of `threads` threads covering n items.
inline unsigned blocks_for(int64_t n, int threads) { return static_cast<unsigned>((n + threads - 1) / threads); }

}  // namespace cuda
}  // namespace covlasso
