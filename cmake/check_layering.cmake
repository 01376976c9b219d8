# The dependency rule, checked on every build (cmake -DSOURCE_DIR=... -DSTAMP=... -P this file).
# Folders are floors, lowest first:
#   core < synthetic < datasets < layers < losses < eval < solvers < tools
# A file may include headers of its own folder and of lower floors only. A file in cuda/ is the
# GPU half of its namesake in layers/, losses/, solvers/ or datasets/ and sits on that floor; the
# rest of cuda/ (streams, handles, BLAS, the device API) sits on core's. proto/ (generated) is
# below everything. tests/ and benchmarks/ may include anything. The Python module's bindings
# (python/bindings/) sit beside tools/ on the top floor: both may use every floor below, neither
# the other.
set(floors core synthetic datasets layers losses eval solvers tools)
set(top_floor_folders tools python)
set(twin_folders datasets layers losses solvers)

# The floor (index into `floors`) of a file given as folder/name.
function(floor_of relative out)
  string(REGEX MATCH "^[a-z_]+" folder "${relative}")
  if(folder STREQUAL "cuda")
    get_filename_component(stem "${relative}" NAME_WE)
    set(folder core)
    foreach(candidate ${twin_folders})
      if(EXISTS "${SOURCE_DIR}/${candidate}/${stem}.hpp")
        set(folder ${candidate})
      endif()
    endforeach()
  endif()
  if(folder STREQUAL "python")
    list(FIND floors tools index)
  else()
    list(FIND floors "${folder}" index)
  endif()
  set(${out} ${index} PARENT_SCOPE)
  set(${out}_folder ${folder} PARENT_SCOPE)
endfunction()

set(violations "")
foreach(folder ${floors} cuda python/bindings)
  file(GLOB files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/${folder}/*.cpp"
       "${SOURCE_DIR}/${folder}/*.hpp" "${SOURCE_DIR}/${folder}/*.cu" "${SOURCE_DIR}/${folder}/*.cuh")
  foreach(file ${files})
    floor_of("${file}" own)
    file(STRINGS "${SOURCE_DIR}/${file}" includes REGEX "^#include \"[a-z_]+/")
    foreach(line ${includes})
      string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" header "${line}")
      if(header MATCHES "^proto/" OR NOT EXISTS "${SOURCE_DIR}/${header}")
        continue()
      endif()
      floor_of("${header}" theirs)
      list(FIND top_floor_folders "${own_folder}" own_top)
      list(FIND top_floor_folders "${theirs_folder}" their_top)
      set(beside_on_top OFF)
      if(NOT own_folder STREQUAL theirs_folder AND own_top GREATER -1 AND their_top GREATER -1)
        set(beside_on_top ON)
      endif()
      if(theirs EQUAL -1 OR theirs GREATER own OR beside_on_top)
        string(APPEND violations
               "  ${file} (floor ${own_folder}) includes ${header} (floor ${theirs_folder})\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  message(FATAL_ERROR
          "Visage's dependency rule is broken: a file may include only its own floor and the "
          "floors below (core < synthetic < datasets < layers < losses < eval < solvers < tools "
          "and python, which do not include each other; a cuda/ file sits on its CPU twin's "
          "floor):\n${violations}"
          "Move the code down a floor, or give the lower floor an interface that the upper one "
          "implements (docs/architecture.md).")
endif()
file(WRITE "${STAMP}" "")
