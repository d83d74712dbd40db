export { main, version } from './main';
