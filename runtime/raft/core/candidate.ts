/**
 * The candidate and pre-candidate roles: count votes, give up on hearing from
 * a leader of our term.
 */
import type { Raft } from './raft.js';
import { receiveAppend, receiveHeartbeat, receiveSnapshotChunk } from './follower.js';
import { MessageType, type Message } from './messages.js';

export function stepCandidate(raft: Raft, message: Message): void {
  switch (message.type) {
    case MessageType.Append:
      raft.becomeFollower(message.term, message.from);
      receiveAppend(raft, message);
      return;
    case MessageType.Heartbeat:
      raft.becomeFollower(message.term, message.from);
      receiveHeartbeat(raft, message);
      return;
    case MessageType.SnapshotChunk:
      raft.becomeFollower(message.term, message.from);
      receiveSnapshotChunk(raft, message);
      return;
    case MessageType.PreVoteResponse:
    case MessageType.VoteResponse: {
      // Count only answers to the phase we are in.
      const wanted = raft.role === 'pre-candidate' ? MessageType.PreVoteResponse : MessageType.VoteResponse;
      if (message.type !== wanted) return;
      raft.tracker.recordVote(message.from, message.granted);
      const outcome = raft.tracker.voteOutcome();
      if (outcome === 'won') {
        if (raft.role === 'pre-candidate') raft.campaign('election');
        else raft.becomeLeader();
      } else if (outcome === 'lost') {
        raft.becomeFollower(raft.term, 0);
      }
      return;
    }
    default:
      return;
  }
}
