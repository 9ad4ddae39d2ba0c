import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The app: React UI on the main thread, the engine (GPUDevice, kernels) in a module Web Worker.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
  server: { port: 5173 },
  preview: { port: 4173 },
});
