// Whether this process can use a CUDA device, asked once (cudaGetDeviceCount through the
// statically linked runtime, which loads the driver library itself: without one it answers
// cudaErrorInsufficientDriver or cudaErrorNoDevice instead of failing to load).
#include <cuda_runtime.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "cuda_backend.hpp"

namespace covlasso {
namespace cuda {

namespace {

constexpr int kMinMajor = 8;  // the build's machine code is sm_80, sm_89, sm_90 (+ compute_90 PTX)

std::string version(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

DeviceProbe run_probe() {
  DeviceProbe probe;
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status == cudaErrorInsufficientDriver) {
    cudaGetLastError();
    probe.detail = "no usable NVIDIA driver (cudaGetDeviceCount: cudaErrorInsufficientDriver; this build's CUDA " +
                   version(runtime) + " runtime needs a driver at least that new)";
    return probe;
  }
  if (status == cudaErrorNoDevice || (status == cudaSuccess && count == 0)) {
    cudaGetLastError();
    probe.detail = "no CUDA device (cudaGetDeviceCount: cudaErrorNoDevice)";
    return probe;
  }
  if (status != cudaSuccess) {
    cudaGetLastError();
    probe.detail = std::string("CUDA cannot start (cudaGetDeviceCount: ") + cudaGetErrorName(status) + ": " +
                   cudaGetErrorString(status) + ")";
    return probe;
  }
  cudaDriverGetVersion(&driver);
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess) {
    cudaGetLastError();
    probe.detail = "CUDA device 0 cannot be queried";
    return probe;
  }
  char memory[64];
  std::snprintf(memory, sizeof memory, "%.1f GiB", static_cast<double>(prop.totalGlobalMem) / (1u << 30));
  const std::string cc = std::to_string(prop.major) + "." + std::to_string(prop.minor);
  if (prop.major < kMinMajor) {
    probe.detail = std::string("device 0 (") + prop.name + ") has compute capability " + cc +
                   "; this build runs on 8.0 and newer";
    return probe;
  }
  probe.available = true;
  probe.name = prop.name;
  probe.total_memory = prop.totalGlobalMem;
  probe.detail = std::string(prop.name) + ", " + memory + ", compute capability " + cc + ", " +
                 std::to_string(prop.multiProcessorCount) + " SMs, driver " + version(driver) + ", runtime " +
                 version(runtime) + (count > 1 ? " (device 0 of " + std::to_string(count) + ")" : "");
  return probe;
}

}  // namespace

const DeviceProbe& probe_device() {
  static std::once_flag once;
  static DeviceProbe probe;
  std::call_once(once, [] { probe = run_probe(); });
  return probe;
}

}  // namespace cuda
}  // namespace covlasso
