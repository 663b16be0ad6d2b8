// The vocabulary every edgectl node speaks. To add your module's frames,
// methods or topics: write runtime/wire/messages/<module>.ts exporting a
// `definePart({...})` (see link.ts), then add it to the list below. The
// types of every handler follow from that list; test/wire/vocabulary.test.ts
// fails if a file in this folder is left out.
import { createVocabulary } from '../vocabulary.js';
import { cluster } from './cluster.js';
import { control } from './control.js';
import { dispatcher } from './dispatcher.js';
import { link } from './link.js';
import { raft } from './raft.js';
import { services } from './services.js';

export const wireVocabulary = createVocabulary([link, cluster, control, raft, dispatcher, services]);
