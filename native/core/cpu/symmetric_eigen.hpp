// The dense symmetric eigensolver: Householder tridiagonalisation and the implicit QL algorithm
// (EISPACK tred2/tql2, as in JAMA), float64. O(n³): the spectrum, numerical rank and
// pseudo-inverse quantities of covariances up to a few thousand categories (range_eigen.hpp
// takes larger, low-rank ones), and the k×k problems of the range solver.
//
// The algorithm works on the transpose of JAMA's V (vectors as rows), so every inner loop runs
// along contiguous memory; the QL rotations of one sweep are recorded and applied to the vectors
// in column blocks on the thread pool (each block sees the rotations in order, so the result does
// not depend on the thread count).
#pragma once

#include <cstdint>

#include "execution.hpp"

namespace covlasso {
namespace cpu {

// a: n×n row-major symmetric matrix (only read before it is overwritten). On return, values
// holds the n eigenvalues in ascending order and, when `vectors`, a holds the eigenvectors as
// rows (row k is the unit eigenvector of values[k]); without vectors a is scratch.
// Throws Error(InvalidArgument) if the QL iteration does not converge (non-finite input) and
// Error(Aborted) when ctx's flag is raised (checked once per eigenvalue).
void symmetric_eigen(double* a, int64_t n, double* values, bool vectors, const ExecutionContext& ctx);

}  // namespace cpu
}  // namespace covlasso
