# ctest's cross_runtime_c: cases.py, then the C runner, then compare.py with c alone (see CMakeLists.txt).
foreach(step
        "${PYTHON};${SOURCE_DIR}/cases.py;--vectors;${VECTORS};-o;${WORK_DIR}/cases.txt"
        "${RUNNER};${WORK_DIR}/cases.txt;${VECTORS};${WORK_DIR}/c.jsonl"
        "${PYTHON};${SOURCE_DIR}/compare.py;--vectors;${VECTORS};--cases;${WORK_DIR}/cases.txt;c=${WORK_DIR}/c.jsonl")
  execute_process(COMMAND ${step} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "cross_runtime_c: ${step} failed (${rc})")
  endif()
endforeach()
