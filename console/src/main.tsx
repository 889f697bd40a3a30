// The console's entry: mounts the app into <div id="app">.

import { render } from 'preact';

function App() {
  return <p>Loading…</p>;
}

const root = document.getElementById('app');
if (root) render(<App />, root);
