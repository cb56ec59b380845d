// The CUDA backend (backend.hpp's interface on an NVIDIA GPU, device 0), compiled in when the
// build finds nvcc (COVLASSO_WITH_CUDA): covariance and cross moments streamed from host memory
// (cuda_moments.hpp), the batched CovLasso (cuda_lasso.hpp, lasso_driver.hpp). Whether it can
// run here is probe_device()'s answer, asked once per process.
#pragma once

#include <cstddef>
#include <string>

#include "backend.hpp"

namespace covlasso {
namespace cuda {

struct DeviceProbe {
  bool available = false;
  std::string detail;  // the device (name, memory, compute capability, driver), or why not, in one line
  std::string name;
  size_t total_memory = 0;
};

const DeviceProbe& probe_device();

const Backend& backend();

}  // namespace cuda
}  // namespace covlasso
