/** A hub with four spokes: the platform in the middle of a team's services. */
export const HubMark = ({ className }: { className: string }) => (
  <g className={className}>
    <circle cx="18" cy="18" r="7" />
    <circle cx="18" cy="3.5" r="3.5" />
    <circle cx="18" cy="32.5" r="3.5" />
    <circle cx="3.5" cy="18" r="3.5" />
    <circle cx="32.5" cy="18" r="3.5" />
    <rect x="16.5" y="5" width="3" height="26" />
    <rect x="5" y="16.5" width="26" height="3" />
  </g>
);
