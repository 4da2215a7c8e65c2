// The ML Metadata messages the run view reads, as a protobufjs JSON descriptor.
// Field names and numbers are those of google/ml-metadata
// ml_metadata/proto/metadata_store.proto and metadata_store_service.proto (the
// copy KFP vendors in kubeflow/pipelines third_party/ml-metadata), and of
// google/protobuf/struct.proto and any.proto; only the fields read here are listed
// (protobuf skips unknown fields, so a newer server's extra fields do no harm).
export const MLMD_DESCRIPTOR = {
  nested: {
    google: { nested: { protobuf: { nested: {
      Struct: { fields: { fields: { keyType: 'string', type: 'Value', id: 1 } } },
      Value: {
        oneofs: { kind: { oneof: ['null_value', 'number_value', 'string_value', 'bool_value', 'struct_value', 'list_value'] } },
        fields: {
          null_value: { type: 'NullValue', id: 1 }, number_value: { type: 'double', id: 2 }, string_value: { type: 'string', id: 3 },
          bool_value: { type: 'bool', id: 4 }, struct_value: { type: 'Struct', id: 5 }, list_value: { type: 'ListValue', id: 6 },
        },
      },
      ListValue: { fields: { values: { rule: 'repeated', type: 'Value', id: 1 } } },
      NullValue: { values: { NULL_VALUE: 0 } },
      Any: { fields: { type_url: { type: 'string', id: 1 }, value: { type: 'bytes', id: 2 } } },
    } } } },
    ml_metadata: { nested: {
      Value: {
        oneofs: { value: { oneof: ['int_value', 'double_value', 'string_value', 'struct_value', 'proto_value', 'bool_value'] } },
        fields: {
          int_value: { type: 'int64', id: 1 }, double_value: { type: 'double', id: 2 }, string_value: { type: 'string', id: 3 },
          struct_value: { type: 'google.protobuf.Struct', id: 4 }, proto_value: { type: 'google.protobuf.Any', id: 5 }, bool_value: { type: 'bool', id: 6 },
        },
      },
      Artifact: {
        fields: {
          id: { type: 'int64', id: 1 }, type_id: { type: 'int64', id: 2 }, uri: { type: 'string', id: 3 },
          properties: { keyType: 'string', type: 'Value', id: 4 }, custom_properties: { keyType: 'string', type: 'Value', id: 5 },
          state: { type: 'ArtifactState', id: 6 }, name: { type: 'string', id: 7 }, type: { type: 'string', id: 8 },
          create_time_since_epoch: { type: 'int64', id: 9 },
        },
      },
      ArtifactState: { values: { UNKNOWN: 0, PENDING: 1, LIVE: 2, MARKED_FOR_DELETION: 3, DELETED: 4, ABANDONED: 5, REFERENCE: 6 } },
      Execution: {
        fields: {
          id: { type: 'int64', id: 1 }, type_id: { type: 'int64', id: 2 }, last_known_state: { type: 'ExecutionState', id: 3 },
          properties: { keyType: 'string', type: 'Value', id: 4 }, custom_properties: { keyType: 'string', type: 'Value', id: 5 },
          name: { type: 'string', id: 6 }, type: { type: 'string', id: 7 },
          create_time_since_epoch: { type: 'int64', id: 8 }, last_update_time_since_epoch: { type: 'int64', id: 9 },
        },
      },
      ExecutionState: { values: { UNKNOWN: 0, NEW: 1, RUNNING: 2, COMPLETE: 3, FAILED: 4, CACHED: 5, CANCELED: 6 } },
      Context: {
        fields: {
          id: { type: 'int64', id: 1 }, type_id: { type: 'int64', id: 2 }, name: { type: 'string', id: 3 },
          properties: { keyType: 'string', type: 'Value', id: 4 }, custom_properties: { keyType: 'string', type: 'Value', id: 5 }, type: { type: 'string', id: 6 },
        },
      },
      EventStep: { oneofs: { value: { oneof: ['index', 'key'] } }, fields: { index: { type: 'int64', id: 1 }, key: { type: 'string', id: 2 } } },
      EventPath: { fields: { steps: { rule: 'repeated', type: 'EventStep', id: 1 } } },
      EventType: { values: { UNKNOWN: 0, DECLARED_OUTPUT: 1, DECLARED_INPUT: 2, INPUT: 3, OUTPUT: 4, INTERNAL_INPUT: 5, INTERNAL_OUTPUT: 6, PENDING_OUTPUT: 7 } },
      Event: {
        fields: {
          artifact_id: { type: 'int64', id: 1 }, execution_id: { type: 'int64', id: 2 }, path: { type: 'EventPath', id: 3 },
          type: { type: 'EventType', id: 4 }, milliseconds_since_epoch: { type: 'int64', id: 5 },
        },
      },
      GetContextByTypeAndNameRequest: { fields: { type_name: { type: 'string', id: 1 }, context_name: { type: 'string', id: 2 }, type_version: { type: 'string', id: 3 } } },
      GetContextByTypeAndNameResponse: { fields: { context: { type: 'Context', id: 1 } } },
      GetExecutionsByContextRequest: { fields: { context_id: { type: 'int64', id: 1 } } },
      GetExecutionsByContextResponse: { fields: { executions: { rule: 'repeated', type: 'Execution', id: 1 }, next_page_token: { type: 'string', id: 2 } } },
      GetArtifactsByContextRequest: { fields: { context_id: { type: 'int64', id: 1 } } },
      GetArtifactsByContextResponse: { fields: { artifacts: { rule: 'repeated', type: 'Artifact', id: 1 }, next_page_token: { type: 'string', id: 2 } } },
      GetEventsByExecutionIDsRequest: { fields: { execution_ids: { rule: 'repeated', type: 'int64', id: 1 } } },
      GetEventsByExecutionIDsResponse: { fields: { events: { rule: 'repeated', type: 'Event', id: 1 } } },
    } },
  },
};

/** Plain-object shapes of the messages (protobufjs toObject with longs as numbers, enums as strings). */
export interface MlmdValue { int_value?: number; double_value?: number; string_value?: string; struct_value?: PbStruct; bool_value?: boolean }
export interface PbStruct { fields?: Record<string, PbValue> }
export interface PbValue { null_value?: string; number_value?: number; string_value?: string; bool_value?: boolean; struct_value?: PbStruct; list_value?: { values?: PbValue[] } }
export interface MlmdExecution { id?: number; type?: string; type_id?: number; last_known_state?: string; name?: string; custom_properties?: Record<string, MlmdValue>; create_time_since_epoch?: number; last_update_time_since_epoch?: number }
export interface MlmdArtifact { id?: number; type?: string; uri?: string; name?: string; state?: string; custom_properties?: Record<string, MlmdValue> }
export interface MlmdEvent { artifact_id?: number; execution_id?: number; type?: string; path?: { steps?: Array<{ key?: string; index?: number }> } }
export interface MlmdContext { id?: number; name?: string; type?: string }

/** google.protobuf.Value as plain JSON. */
export function pbToJson(v: PbValue | undefined): unknown {
  if (!v) return null;
  if (v.struct_value) return Object.fromEntries(Object.entries(v.struct_value.fields ?? {}).map(([k, x]) => [k, pbToJson(x)]));
  if (v.list_value) return (v.list_value.values ?? []).map(pbToJson);
  if (v.string_value !== undefined) return v.string_value;
  if (v.number_value !== undefined) return v.number_value;
  if (v.bool_value !== undefined) return v.bool_value;
  return null;
}

/** JSON as google.protobuf.Value. */
export function jsonToPb(v: unknown): PbValue {
  if (v === null || v === undefined) return { null_value: 'NULL_VALUE' };
  if (typeof v === 'string') return { string_value: v };
  if (typeof v === 'number') return { number_value: v };
  if (typeof v === 'boolean') return { bool_value: v };
  if (Array.isArray(v)) return { list_value: { values: v.map(jsonToPb) } };
  return { struct_value: { fields: Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, jsonToPb(x)])) } };
}

/** An MLMD Value as plain JSON. */
export function mlmdToJson(v: MlmdValue | undefined): unknown {
  if (!v) return undefined;
  if (v.struct_value) return pbToJson({ struct_value: v.struct_value });
  return v.string_value ?? v.int_value ?? v.double_value ?? v.bool_value;
}
