-- A message id is stored once: a message that waited in the MESSAGES stream (the store was
-- down when it was sent) may have been stored by its send after all (a commit whose answer
-- was lost), and the consumer that stores the stream must then find it, not add a copy.
ALTER TABLE messages ADD UNIQUE KEY messages_id (id);
