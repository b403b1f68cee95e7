/**
 * Node flags the server runs with wherever this repository starts it: `npm start`, the tests' server processes and
 * the benchmarks (docker-compose.yml repeats them in NODE_OPTIONS).
 *
 * The young generation is capped at 4 MB per semi-space instead of Node's 16. A study upload (STOW-RS, C-STORE)
 * leaves behind socket buffers that only a young-generation collection frees. The server allocates so little else
 * per buffer that, with the larger space, tens of MB of them pile up before one runs. The imaging issue bounds RSS to
 * 300 MB while a 2 GB request arrives: the cap lowers that peak by about 60 MB. The collections of a smaller space are
 * shorter, and the STOW rate moved by less than the run-to-run noise.
 */
export const SERVER_NODE_OPTIONS = ['--max-semi-space-size=4'];
