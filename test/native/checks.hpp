// check(ok, what) for the core's standalone test programs (test/native/*_test.cpp): one line per
// check, failures counted; finish() prints the summary line and gives the exit status.
#pragma once

#include <cstdio>
#include <string>

namespace covlasso_test {

inline int& failures() {
  static int count = 0;
  return count;
}

inline void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures();
}

inline int finish() {
  std::printf("%s: %d failure(s)\n", failures() == 0 ? "PASS" : "FAIL", failures());
  return failures() == 0 ? 0 : 1;
}

}  // namespace covlasso_test
