// Found by the long fuzzing run, session 21 (issue 27): reproducer of a process-ending input, kept as a seed.

func.func @alignt_memref(f16 {fa.align = 16 : i64}) {
  return
}

