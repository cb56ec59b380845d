{
  "targets": [
    {
      "target_name": "covlasso",
      "sources": [
        "native/core/backend.cpp",
        "native/core/lasso_problem.cpp",
        "native/core/moments.cpp",
        "native/core/thread_pool.cpp",
        "native/core/cpu/anderson.cpp",
        "native/core/cpu/cpu_backend.cpp",
        "native/core/cpu/gram_kernel.cpp",
        "native/core/cpu/gram_kernel_2port.cpp",
        "native/core/cpu/gram_kernel_amx.cpp",
        "native/core/cpu/gram_kernel_amx_pack.cpp",
        "native/core/cpu/gram_kernel_pack.cpp",
        "native/core/cpu/gram_kernel_strips.cpp",
        "native/core/cpu/lasso_batch.cpp",
        "native/core/cpu/lasso_target.cpp",
        "native/core/cpu/moments_blocks.cpp",
        "native/core/cpu/moments_cpu.cpp",
        "native/core/cpu/range_eigen.cpp",
        "native/core/cpu/small_linalg.cpp",
        "native/core/cpu/support_step.cpp",
        "native/core/cpu/symmetric_eigen.cpp",
        "native/core/cpu/vector_ops.cpp",
        "native/binding/addon.cpp",
        "native/binding/convert.cpp",
        "native/binding/job.cpp",
        "native/binding/linalg_binding.cpp",
        "native/binding/lasso_binding.cpp",
        "native/binding/moments_binding.cpp"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/core"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15",
        "OTHER_CPLUSPLUSFLAGS": ["-O3"]
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/O2"] }
      }
    }
  ]
}
