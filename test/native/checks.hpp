// check(ok, what) for the core's standalone test programs (test/native/*_test.cpp): one line per
// check, failures counted; finish() prints the summary line and gives the exit status. And the
// programs' one norm-wise relative difference.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace covlasso_test {

inline int& failures() {
  static int count = 0;
  return count;
}

inline void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures();
}

// Norm-wise relative difference: max |a − b| / max |b| (the absolute one when b is 0).
inline double rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double num = 0, den = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    num = std::max(num, std::fabs(a[k] - b[k]));
    den = std::max(den, std::fabs(b[k]));
  }
  return den == 0 ? num : num / den;
}

inline int finish() {
  std::printf("%s: %d failure(s)\n", failures() == 0 ? "PASS" : "FAIL", failures());
  return failures() == 0 ? 0 : 1;
}

}  // namespace covlasso_test
