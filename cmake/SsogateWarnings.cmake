# Warning flags for the project's own targets: ssogate_warnings(<target>).
function(ssogate_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
                                           -Wnon-virtual-dtor -Wcast-qual -Wformat=2)
  if(SSOGATE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
