"""Example drivers: how a partner lets `prakerja certify` drive its integration."""
