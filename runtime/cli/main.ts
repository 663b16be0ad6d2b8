// edgectl entry point.
import { version } from '../common/version.js';

const argv = process.argv.slice(2);
if (argv[0] === '--version' || argv[0] === 'version') {
  console.log(`edgectl ${version}`);
} else {
  console.log('Usage: edgectl COMMAND\n\nCommands arrive with the cluster issue.');
}
