"""Generated protobuf modules. Do not edit; run `make generate`."""
