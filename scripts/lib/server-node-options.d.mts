export const SERVER_NODE_OPTIONS: string[];
