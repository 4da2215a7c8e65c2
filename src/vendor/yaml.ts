// Bundled on its own (dist/vendor-yaml.js) and loaded the first time a pipeline file is read.
export * from 'yaml';
