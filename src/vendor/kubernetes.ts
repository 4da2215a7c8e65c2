// Bundled on its own (dist/vendor-kubernetes.js) and loaded only when an endpoint uses kubeconfig auth.
export * from '@kubernetes/client-node';
