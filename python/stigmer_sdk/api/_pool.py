"""The private descriptor pool of the SDK's generated modules. Do not edit.

Every ``stigmer_sdk.api`` module adds its file here rather than to protobuf's default pool, so
that Stigmer's own stubs, which define files and messages of the same names, load beside them
(scripts/generate_python.py). The well-known types those files import are copied in first.
"""

from google.protobuf import descriptor_pool
from google.protobuf import any_pb2
from google.protobuf import descriptor_pb2
from google.protobuf import duration_pb2
from google.protobuf import field_mask_pb2
from google.protobuf import struct_pb2
from google.protobuf import timestamp_pb2

from stigmer_sdk.api import _buf_validate

POOL = descriptor_pool.DescriptorPool()
for _well_known in (any_pb2, descriptor_pb2, duration_pb2, field_mask_pb2, struct_pb2, timestamp_pb2,):
    POOL.AddSerializedFile(_well_known.DESCRIPTOR.serialized_pb)
# buf/validate/validate.proto (proto-vendor), whose options carry the create rules that
# protovalidate reads from our descriptors; only its descriptor, no message classes.
POOL.AddSerializedFile(_buf_validate.SERIALIZED)
