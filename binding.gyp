{
  "targets": [
    {
      "target_name": "skiptrain",
      "sources": [
        "src/kernels/native/addon.c",
        "src/kernels/native/engine.c",
        "src/kernels/native/pool.c",
        "src/kernels/native/isaAvx2.c",
        "src/kernels/native/isaGeneric.c",
        "src/data/batch/native/batchEncoder.c",
        "src/data/read/native/rangeScanner.c",
        "src/util/native/crc32c.c"
      ],
      "cflags": ["-O3", "-std=gnu11", "-fno-math-errno", "-Wno-psabi", "-pthread"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-fno-math-errno"]
      }
    }
  ]
}
