// The CPU backend: covlasso's thread pool, run-time SIMD dispatch (gram_kernel.hpp, vector_ops.hpp).
#pragma once

#include <string>

#include "backend.hpp"

namespace covlasso {
namespace cpu {

const Backend& backend();

// One line about the CPU path: hardware threads and the SIMD kernel in use.
std::string describe();

}  // namespace cpu
}  // namespace covlasso
