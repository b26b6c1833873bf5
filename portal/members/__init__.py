"""The member portal: member organisations keep their listings current; coordinators invite and moderate."""
