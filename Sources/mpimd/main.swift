print("mpimd")
