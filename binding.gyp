{
  "targets": [
    {
      "target_name": "hourglass_native",
      "sources": ["<!@(ls -1 native/src/*.cc)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fopenmp", "-fexceptions"],
      "libraries": ["-ldnnl", "-llapacke", "-llapack", "-lblas", "-fopenmp"]
    }
  ]
}
