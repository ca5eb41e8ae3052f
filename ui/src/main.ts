import { mount } from 'svelte';
import '@fontsource/be-vietnam-pro/vietnamese-400.css';
import '@fontsource/be-vietnam-pro/vietnamese-600.css';
import '@fontsource/be-vietnam-pro/vietnamese-700.css';
import '@fontsource/be-vietnam-pro/latin-400.css';
import '@fontsource/be-vietnam-pro/latin-600.css';
import '@fontsource/be-vietnam-pro/latin-700.css';
import './styles/global.css';
import App from './App.svelte';

async function boot() {
  // The Chromium lane (Android-engine checks) builds with `--mode mock`: Tauri's IPC is replaced
  // by an in-memory backend. In a normal build this branch and its import are removed.
  if (import.meta.env.MODE === 'mock') {
    const { installMockBackend } = await import('./mocks/backend');
    installMockBackend();
  }
  const target = document.getElementById('app');
  if (target) mount(App, { target });
}

void boot();
