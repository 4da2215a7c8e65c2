// Bundled on its own (dist/vendor-protobuf.js) and loaded the first time a run's ML Metadata is read.
export * from 'protobufjs/light';
