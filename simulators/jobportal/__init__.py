"""Job portal simulators: three portals publishing realistic vacancies, pushing signed batches to
the reference server and serving the feed Prakerja pulls, on the simulator framework."""
