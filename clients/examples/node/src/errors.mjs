// google.rpc.Status details of a failing call (docs/protocol.md §6): the node sends them in the
// grpc-status-details-bin trailer. The three messages are declared here from their public
// definitions (google/rpc/status.proto, google/protobuf/any.proto, google/rpc/error_details.proto).
import protobuf from 'protobufjs';

const root = protobuf.Root.fromJSON({
  nested: {
    google: {
      nested: {
        protobuf: { nested: { Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } } } },
        rpc: {
          nested: {
            Status: { fields: { code: { type: 'int32', id: 1 }, message: { type: 'string', id: 2 }, details: { rule: 'repeated', type: 'google.protobuf.Any', id: 3 } } },
            ErrorInfo: { fields: { reason: { type: 'string', id: 1 }, domain: { type: 'string', id: 2 }, metadata: { keyType: 'string', type: 'string', id: 3 } } },
            BadRequest: {
              fields: { field_violations: { rule: 'repeated', type: 'FieldViolation', id: 1 } },
              nested: { FieldViolation: { fields: { field: { type: 'string', id: 1 }, description: { type: 'string', id: 2 } } } },
            },
          },
        },
      },
    },
  },
});
const Status = root.lookupType('google.rpc.Status');
const ErrorInfo = root.lookupType('google.rpc.ErrorInfo');
const BadRequest = root.lookupType('google.rpc.BadRequest');

/** { errorInfo, badRequest } from a grpc-js error's trailers; empty when the node sent none. */
export function statusDetails(err) {
  const raw = err?.metadata?.get?.('grpc-status-details-bin')?.[0];
  if (!raw) return {};
  const status = Status.decode(Buffer.from(raw));
  const out = { code: status.code, message: status.message };
  for (const any of status.details) {
    if (any.type_url.endsWith('/google.rpc.ErrorInfo')) out.errorInfo = ErrorInfo.toObject(ErrorInfo.decode(any.value));
    if (any.type_url.endsWith('/google.rpc.BadRequest')) out.badRequest = BadRequest.toObject(BadRequest.decode(any.value));
  }
  return out;
}
