// The console's entry: mounts the app into <div id="app"> (console/index.html).

import { render } from 'preact';
import { App } from './app.tsx';

const root = document.getElementById('app');
if (root) render(<App />, root);
