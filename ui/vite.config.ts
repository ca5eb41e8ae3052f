import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// Everything the app shows is bundled: no CDN, no runtime fetches (the CSP forbids them).
export default defineConfig({
  // svelteTesting: only under vitest (Svelte's browser build for component tests, DOM cleanup).
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: ['es2021', 'safari15', 'chrome100'],
    // Keep fonts and images as files: the CSP does not allow data: fonts.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
