MAKEGEN_VALUES_sample := A B.1 c_2
