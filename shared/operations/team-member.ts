/** The team member Partner Center's documented PATCH sample appends: email, names and phone number (§2.4). */
export interface TeamMemberInput {
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly phoneNumber?: string | undefined;
}

export function teamMemberValue(member: TeamMemberInput): Record<string, string> {
  return {
    email: member.email,
    firstName: member.firstName,
    lastName: member.lastName,
    ...(member.phoneNumber === undefined ? {} : { phoneNumber: member.phoneNumber }),
  };
}
