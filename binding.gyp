{
  "targets": [
    {
      "target_name": "covlasso",
      "variables": {
        "covlasso_cuda": "<!(node native/cuda/build-config.js enabled)"
      },
      "sources": [
        "native/core/backend.cpp",
        "native/core/factored.cpp",
        "native/core/lasso_problem.cpp",
        "native/core/moments.cpp",
        "native/core/thread_pool.cpp",
        "native/core/cpu/anderson.cpp",
        "native/core/cpu/cpu_backend.cpp",
        "native/core/cpu/gram_access.cpp",
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
        "native/core/cpu/updatable_cholesky.cpp",
        "native/core/cpu/symmetric_eigen.cpp",
        "native/core/cpu/vector_ops.cpp",
        "native/core/cpu/working_set.cpp",
        "native/binding/addon.cpp",
        "native/binding/convert.cpp",
        "native/binding/factored_binding.cpp",
        "native/binding/job.cpp",
        "native/binding/linalg_binding.cpp",
        "native/binding/lasso_binding.cpp",
        "native/binding/moments_binding.cpp"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/core"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": [
        "-fno-exceptions"
      ],
      "cflags_cc!": [
        "-fno-exceptions",
        "-fno-rtti"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O3",
        "-fexceptions"
      ],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15",
        "OTHER_CPLUSPLUSFLAGS": [
          "-O3"
        ]
      },
      "msvs_settings": {
        "VCCLCompilerTool": {
          "ExceptionHandling": 1,
          "AdditionalOptions": [
            "/std:c++17",
            "/O2"
          ]
        }
      },
      "conditions": [
        [
          "covlasso_cuda==1",
          {
            "sources": [
              "native/cuda/cuda_backend.cpp",
              "native/cuda/lasso_driver.cpp",
              "native/cuda/moments_plan.cpp",
              "native/cuda/cuda_device.cu",
              "native/cuda/lasso_kernels.cu",
              "native/cuda/moments_kernels.cu"
            ],
            "include_dirs": [
              "native/cuda"
            ],
            "defines": [
              "COVLASSO_WITH_CUDA=1"
            ],
            "libraries": [
              "<!@(node native/cuda/build-config.js libs)"
            ],
            "ldflags": [
              "-Wl,--exclude-libs,ALL"
            ],
            "rules": [
              {
                "rule_name": "nvcc",
                "extension": "cu",
                "inputs": [
                  "<!@(node -p \"require('fs').readdirSync('native/cuda').filter(f=>f.endsWith('.cuh')||f.endsWith('.hpp')).map(f=>'native/cuda/'+f).join(' ')\")"
                ],
                "outputs": [
                  "<(INTERMEDIATE_DIR)/cuda/<(RULE_INPUT_ROOT).o"
                ],
                "action": [
                  "<!(node native/cuda/build-config.js nvcc)",
                  "<!@(node native/cuda/build-config.js flags)",
                  "-I<(module_root_dir)/native/core",
                  "-I<(module_root_dir)/native/cuda",
                  "-c",
                  "<(RULE_INPUT_PATH)",
                  "-o",
                  "<@(_outputs)"
                ],
                "message": "nvcc <(RULE_INPUT_PATH)",
                "process_outputs_as_sources": 1
              }
            ]
          }
        ],
        [
          "OS=='linux'",
          {
            "ldflags": [
              "-static-libstdc++",
              "-Wl,--exclude-libs,ALL"
            ],
            "libraries": [
              "<!@(node native/link/glibc-floor.js link build/glibc-floor)"
            ]
          }
        ]
      ]
    }
  ]
}
