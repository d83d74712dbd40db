/**
 * One verdict per category and message. Each detector has already combined
 * its own rules; across detectors the strongest score counts, raised when two
 * independent detectors agree (both at least medium), and the evidence of
 * all contributing detectors is kept.
 */
import { AlertCategories, McpMessageEvent, riskLevelOf, SecurityAlertEvent, AlertSubject } from '@mcpspy/events';
import type { Finding } from './types';

const AGREE_AT = 0.5;

export function subjectOfMessage(msg: McpMessageEvent, method?: string): AlertSubject {
  const pid = msg.stdio_transport?.from_pid ?? msg.http_transport?.pid;
  const comm = msg.stdio_transport?.from_comm ?? msg.http_transport?.comm;
  return {
    msg_id: msg.msg_id,
    id: msg.id,
    method: method ?? msg.method,
    type: msg.type,
    transport_type: msg.transport_type,
    session: msg.session,
    pid,
    comm,
    timestamp: msg.timestamp,
  };
}

export function combineFindings(findings: readonly Finding[], msg: McpMessageEvent, method: string, threshold: number, now = new Date()): SecurityAlertEvent[] {
  const alerts: SecurityAlertEvent[] = [];
  const groups: Finding[][] = [];
  for (const f of findings) if (f.standalone) groups.push([f]);
  for (const category of AlertCategories) {
    const list = findings.filter((f) => !f.standalone && f.category === category && f.score > 0);
    if (list.length) groups.push(list);
  }
  for (const group of groups) {
    const list = [...group].sort((a, b) => b.score - a.score);
    const category = list[0]!.category;
    const agreeing = list.filter((f) => f.score >= AGREE_AT);
    let score = list[0]!.score;
    if (agreeing.length >= 2) score = 1 - agreeing.reduce((m, f) => m * (1 - f.score), 1);
    score = Math.round(Math.min(1, score) * 1000) / 1000;
    const risk = riskLevelOf(score);
    if (!risk || score < threshold) continue;
    const detectors = [...new Set(list.map((f) => f.detector))];
    const details = Object.assign({}, ...list.map((f) => f.details ?? {})) as Record<string, unknown>;
    alerts.push({
      type: 'security_alert',
      timestamp: now.toISOString(),
      risk,
      category,
      score,
      detector: detectors.length === 1 ? detectors[0]! : 'combined',
      summary: list.map((f) => f.summary).join(' | '),
      evidence: list.flatMap((f) => f.evidence).slice(0, 10),
      message: subjectOfMessage(msg, method),
      ...(Object.keys(details).length ? { details: detectors.length > 1 ? { ...details, detectors } : details } : detectors.length > 1 ? { details: { detectors } } : {}),
    });
  }
  return alerts.sort((a, b) => b.score - a.score);
}
